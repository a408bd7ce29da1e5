# MUTATION: student_report is concurrent, but class_report awaits one student after the other
# EXPECT: the students were handled one after the other
async def student_report(student_id):
    grades, attendance, schedule = await asyncio.gather(
        tools.get_grades(student_id), tools.get_attendance(student_id), tools.get_schedule(student_id))
    return {"id": student_id, "grades": grades, "attendance": attendance, "schedule": schedule}


async def class_report(student_ids):
    return [await student_report(i) for i in student_ids]
