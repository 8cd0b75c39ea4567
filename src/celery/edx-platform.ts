// Where edx-platform sends its Celery tasks when nobody routes them: its EXPLICIT_QUEUES and
// ALTERNATE_ENV_TASKS (lms/envs/production.py at openedx/edx-platform 010dd6dd, cms/envs/
// production.py of the same period), with the routing keys as their settings default them and
// Tutor's lms.env.yml sets them (ACE_ROUTING_KEY: edx.lms.core.default). A task in neither goes
// to its service's default queue (CELERY_DEFAULT_QUEUE), unless the code that sends it names one.
// docs/task-routing.md has the table for people; the report and the routing lint read this one.
import type { ServiceName } from '../names.js';
/** A task and the queue it is sent to. */
export interface Route {
  task: string;
  queue: string;
}

export interface DefaultRoute extends Route {
  /** The setting whose value the queue is, by default. */
  setting: string;
  /** What the task does, for people choosing a variant. */
  what: string;
}

const lms = (variant: string) => `edx.lms.core.${variant}`;
const cms = (variant: string) => `edx.cms.core.${variant}`;

const route = (task: string, queue: string, setting: string, what: string): DefaultRoute => ({
  task,
  queue,
  setting,
  what,
});

export const EDX_PLATFORM_ROUTES: Readonly<Record<ServiceName, readonly DefaultRoute[]>> = {
  lms: [
    route(
      'lms.djangoapps.instructor_task.tasks.calculate_grades_csv',
      lms('high_mem'),
      'GRADES_DOWNLOAD_ROUTING_KEY',
      'grade report (CSV)',
    ),
    route(
      'lms.djangoapps.instructor_task.tasks.calculate_problem_grade_report',
      lms('high_mem'),
      'GRADES_DOWNLOAD_ROUTING_KEY',
      'problem grade report',
    ),
    route(
      'lms.djangoapps.instructor_task.tasks.generate_certificates',
      lms('high_mem'),
      'GRADES_DOWNLOAD_ROUTING_KEY',
      'certificate generation for a course',
    ),
    route(
      'openedx.core.djangoapps.content.course_overviews.tasks.async_course_overview_update',
      lms('high_mem'),
      'GRADES_DOWNLOAD_ROUTING_KEY',
      'course overview refresh',
    ),
    route(
      'lms.djangoapps.bulk_email.tasks.send_course_email',
      lms('high'),
      'BULK_EMAIL_ROUTING_KEY',
      'bulk e-mail to a course (one batch of recipients)',
    ),
    route(
      'openedx.core.djangoapps.heartbeat.tasks.sample_task',
      lms('high'),
      'HEARTBEAT_CELERY_ROUTING_KEY',
      'heartbeat check',
    ),
    route(
      'lms.djangoapps.verify_student.tasks.send_request_to_ss_for_user',
      lms('high'),
      'SOFTWARE_SECURE_VERIFICATION_ROUTING_KEY',
      'ID verification request',
    ),
    ...[
      [
        'lms.djangoapps.verify_student.tasks.send_verification_status_email',
        'ID verification e-mail',
      ],
      ['lms.djangoapps.verify_student.tasks.send_ace_message', 'ID verification message'],
      ['openedx.core.djangoapps.schedules.tasks._recurring_nudge_schedule_send', 'nudge e-mails'],
      [
        'openedx.core.djangoapps.schedules.tasks._upgrade_reminder_schedule_send',
        'upgrade reminders',
      ],
      [
        'openedx.core.djangoapps.schedules.tasks._course_update_schedule_send',
        'course update e-mails',
      ],
    ].map(([task, what]) =>
      route(task as string, lms('default'), 'ACE_ROUTING_KEY', what as string),
    ),
    route(
      'openedx.core.djangoapps.schedules.tasks.v1.tasks.send_grade_to_credentials',
      lms('default'),
      'CREDENTIALS_GENERATION_ROUTING_KEY',
      'grade to the credentials service',
    ),
    route(
      'common.djangoapps.entitlements.tasks.expire_old_entitlements',
      lms('default'),
      'ENTITLEMENTS_EXPIRATION_ROUTING_KEY',
      'entitlement expiry',
    ),
    route(
      'lms.djangoapps.grades.tasks.recalculate_course_and_subsection_grades_for_user',
      lms('default'),
      'POLICY_CHANGE_GRADES_ROUTING_KEY',
      "regrade of a learner's course",
    ),
    route(
      'lms.djangoapps.grades.tasks.recalculate_subsection_grade_v3',
      lms('default'),
      'SINGLE_LEARNER_COURSE_REGRADE_ROUTING_KEY',
      'subsection grade update',
    ),
    ...[
      ['award_program_certificates', 'program certificates'],
      ['revoke_program_certificates', 'program certificate revocation'],
      ['update_certificate_available_date_on_course_update', 'certificate dates'],
      ['award_course_certificate', 'course certificate to credentials'],
    ].map(([name, what]) =>
      route(
        `openedx.core.djangoapps.programs.tasks.${name}`,
        lms('default'),
        'PROGRAM_CERTIFICATES_ROUTING_KEY',
        what as string,
      ),
    ),
    ...[
      'update_workflows_for_all_blocked_submissions_task',
      'update_workflows_for_course_task',
      'update_workflows_for_ora_block_task',
      'update_workflow_for_submission_task',
    ].map((name) =>
      route(
        `openassessment.workflow.tasks.${name}`,
        lms('ora_workflow_update'),
        'ORA_WORKFLOW_UPDATE_ROUTING_KEY',
        'ORA workflow update',
      ),
    ),
  ],
  cms: [
    route(
      'lms.djangoapps.grades.tasks.compute_all_grades_for_course',
      cms('default'),
      'POLICY_CHANGE_GRADES_ROUTING_KEY',
      'regrade of a course after a grading policy change',
    ),
    route(
      'cms.djangoapps.contentstore.tasks.update_search_index',
      cms('default'),
      'UPDATE_SEARCH_INDEX_JOB_QUEUE',
      'course search index update',
    ),
    // ALTERNATE_ENV_TASKS: sent by Studio to the LMS's default queue.
    ...[
      ['completion_aggregator.tasks.update_aggregators', 'completion aggregates'],
      [
        'openedx.core.djangoapps.content.block_structure.tasks.update_course_in_cache',
        'course blocks cache',
      ],
      [
        'openedx.core.djangoapps.content.block_structure.tasks.update_course_in_cache_v2',
        'course blocks cache',
      ],
    ].map(([task, what]) =>
      route(task as string, lms('default'), 'ALTERNATE_ENV_TASKS', what as string),
    ),
  ],
};
